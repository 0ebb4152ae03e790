"""sfqb-diag: find out why a Salesforce -> QuickBooks Online sync misbehaves."""

from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.dataset import Dataset
from sfqb_diag.sources.files import load_raw

__version__ = "0.1.0"
__all__ = ["ClientConfig", "Dataset", "__version__", "load_config", "load_raw"]
