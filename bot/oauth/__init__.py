"""Many workspaces: OAuth installs, tokens encrypted at rest, and what an install sets up.

- crypto: Fernet/MultiFernet with ROADMAP_ENCRYPTION_KEY (first key encrypts, all decrypt).
- store: slack_sdk's SQLAlchemy installation store, sealing tokens; bot tokens for the clock.
- flow: OAuthFlow, cached authorize and token rotation, all against SLACK_API_URL.
- install: after an install, the workspace row, time zone, schedules and welcome DM.
"""
