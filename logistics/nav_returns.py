"""Navigation entries of this area (imported by LogisticsConfig.ready)."""
