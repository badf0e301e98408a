"""python -m automations: the same as the coprod command."""

from automations.launch import main

if __name__ == "__main__":
    main()
