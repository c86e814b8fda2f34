"""The course's own tooling: the exercise format, the student/instructor release and the Colab install cells."""
