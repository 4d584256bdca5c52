"""The weather service (气象服务): CMA warning signals as CAP 1.2 alerts."""
