"""Reading and verifying the data: the descriptor, the tables, their checks and the
project's files. Needs only pandas; knows nothing of pages or HTML."""
