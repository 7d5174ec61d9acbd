# Council, appraised scores and leaders' forms arrive with the appraisal issue.
