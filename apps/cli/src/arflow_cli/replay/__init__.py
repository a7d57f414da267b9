"""`arflow replay` and `arflow generate`: an ERP's history through the public REST APIs."""
