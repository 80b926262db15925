"""``python -m dealloop`` runs the command line."""

if __name__ == "__main__":
    from dealloop.cli import main

    main()
