"""Reference data (sectors, scenarios, technologies, certifications, regions) and offerings."""
