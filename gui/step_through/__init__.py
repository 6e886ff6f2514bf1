"""The Step through tab: the article's arithmetic, chapter by chapter, on the current drawing."""
