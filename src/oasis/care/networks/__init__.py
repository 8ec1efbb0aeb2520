"""Care networks (CPTS, réseaux de santé, MSP teams, mutuelle partner networks) and SAS."""
