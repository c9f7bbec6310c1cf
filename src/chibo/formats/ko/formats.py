# Korean: yyyy. mm. dd. everywhere; 1,234,567.8
DATE_FORMAT = "Y. m. d."
SHORT_DATE_FORMAT = "Y. m. d."
DATETIME_FORMAT = "Y. m. d. H:i"
SHORT_DATETIME_FORMAT = "Y. m. d. H:i"
MONTH_DAY_FORMAT = "m. d."
YEAR_MONTH_FORMAT = "Y. m."
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y. %m. %d.", "%Y.%m.%d"]
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
