"""English date and number formats (``FORMAT_MODULE_PATH``).

The records are Vietnamese: the papers they come from, and the people who type them, write
dd/mm/yyyy. Django's own ``en`` formats show "March 14, 1985" and read "03/04/1985" as 4 March,
so an officer who switches to English would see dates differently and, worse, could enter day
and month swapped. English pages show and accept dd/mm/yyyy like the Vietnamese ones (ISO too);
numbers keep the English separators (2.34, 1,000).
"""

from cbccvc.formats.vi import formats as vi

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
FIRST_DAY_OF_WEEK = 1  # Monday

# What is typed is read exactly as on Vietnamese pages (one list, kept in the vi module).
DATE_INPUT_FORMATS = vi.DATE_INPUT_FORMATS
TIME_INPUT_FORMATS = vi.TIME_INPUT_FORMATS
DATETIME_INPUT_FORMATS = vi.DATETIME_INPUT_FORMATS
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
