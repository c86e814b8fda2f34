# Two commands do all the set-up (see README.md): `make book` and `make test`; `make lab` opens the chapters;
# `make release` writes the exercises' student and instructor notebooks and autograders.
# Each creates the virtual environment .venv on its first run (about 2 minutes) and reuses it afterwards.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GAN_COURSE_PROFILE ?= fast

RELEASE ?= release

.PHONY: book test lab venv execute release clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[book,test,grading]"
	touch $(STAMP)

# The rendered book, from the outputs committed with each chapter: _build/html/index.html.
book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Unit tests, the book build check, and every chapter re-executed by nbval (fast profile unless set otherwise).
test: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --durations=20 tests book

# JupyterLab on the chapters, from the .venv (the kernel has gan_course and everything the chapters import).
lab: $(STAMP)
	$(BIN)/jupyter lab book

# Re-execute the chapters with the cpu profile and store their outputs in place (what the book shows).
execute: $(STAMP)
	cd book && GAN_COURSE_PROFILE=cpu ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=3600 *.ipynb

# For instructors: student notebooks, autograders and instructor notebooks in $(RELEASE)/ (see README, "Teaching").
# It needs the tag v<version> on the commit checked out (RELEASE_FLAGS=--draft: a preview without it) and grades the
# instructor's answers with each autograder (83 s alone on two cores); RELEASE_FLAGS=--no-run-tests skips that.
release: $(STAMP)
	$(BIN)/python -m tools.release --out $(RELEASE) $(RELEASE_FLAGS)

clean:
	rm -rf _build .pytest_cache
