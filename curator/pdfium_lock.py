"""PDFium is not thread-safe: no two of its calls may run at once in one process, not even on two
documents (pypdfium2's documentation, "Incompatibility with Threading"). Every pypdfium2 call of this
process is made under LOCK: the reader's render thread and a PDF read in the same process take turns.
(The import reads PDFs in a worker process of its own: importers.pdf.worker.)"""

from __future__ import annotations

import threading

LOCK = threading.RLock()
