# English pages say "7 December 2026", not Django's American "Dec. 7, 2026", and times on
# the 24-hour clock the Chinese pages use: https://docs.djangoproject.com/en/5.2/topics/i18n/formatting/#creating-custom-format-files
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as in China
