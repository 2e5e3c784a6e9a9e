"""app.subtitles"""
