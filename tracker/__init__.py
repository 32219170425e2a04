"""Budget execution tracker for Chinese public-sector budget units (预算执行进度跟踪)."""
