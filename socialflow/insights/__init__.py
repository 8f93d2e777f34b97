"""Creator insights: the sentiment of comments, hashtag suggestions for drafts."""
