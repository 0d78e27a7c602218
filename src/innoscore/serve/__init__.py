"""The bank data port: an authenticated HTTP service over the published months (``innoscore serve``)."""
