"""Momento's engine: data model, import, store and analytics. Never imports Streamlit."""
