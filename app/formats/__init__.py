"""app.formats"""
