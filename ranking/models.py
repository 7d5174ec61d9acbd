# Điều 7 ranking, publication and reports arrive with the ranking issue.
