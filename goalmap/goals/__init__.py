"""Goals on the board: create, edit in place, move, delete and undo."""
