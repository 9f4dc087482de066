"""Demo data of the logistics app (see LogisticsConfig.ready)."""
