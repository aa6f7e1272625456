"""Stage 2, evidence: extractors that turn repository files into typed facts."""
