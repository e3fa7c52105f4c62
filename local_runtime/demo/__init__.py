"""Demo data for a local run, made through the HTTP API as a recruiter would, with a real PDF resume."""
