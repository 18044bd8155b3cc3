"""The headless core: tokens, probes, the plan, the verdict and reports. Never imports Textual."""
