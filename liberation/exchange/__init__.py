"""Import and export of content in the JSON Lines exchange format (docs/content-format.md).

`write.import_content` reads a whole file (read.py), checks every line against the
format and against the database and reports every problem at once (check.py,
`ImportFailed`); only a clean file is written, inside one transaction (write.py).
`export.export_content` writes every content page back in the same format.

This app sits above content and events (it writes their pages and the ceremonies'
registration settings); nothing below imports it.
"""
