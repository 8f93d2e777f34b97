"""socialflow-azure: media storage on Azure Blob Storage."""

from socialflow_azure.backend import AzureBlobStorage
from socialflow_azure.settings import AzureSettings

__all__ = ["AzureBlobStorage", "AzureSettings"]
