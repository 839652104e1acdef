"""``python -m staffing`` runs the command-line interface."""

from staffing.cli import main

if __name__ == "__main__":
    main()
