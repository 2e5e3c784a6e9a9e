"""app.pipeline"""
