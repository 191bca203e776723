"""US state, district, territory and military "state" codes with their names.

No maintained package for this is installed (`zipcodes` carries the codes but not the names, and `us` is not
a dependency), so the table is written out here. Source: USPS Publication 28, "Postal Addressing Standards",
Appendix B (two-letter state and possession abbreviations). The codes are the same set that `zipcodes` uses;
tests/test_geo.py checks that the two agree.
"""

from __future__ import annotations

from types import MappingProxyType

from clinic_finder.i18n import N_

STATE_NAMES = MappingProxyType(
    {
        "AL": N_("Alabama"),
        "AK": N_("Alaska"),
        "AZ": N_("Arizona"),
        "AR": N_("Arkansas"),
        "CA": N_("California"),
        "CO": N_("Colorado"),
        "CT": N_("Connecticut"),
        "DE": N_("Delaware"),
        "DC": N_("District of Columbia"),
        "FL": N_("Florida"),
        "GA": N_("Georgia"),
        "HI": N_("Hawaii"),
        "ID": N_("Idaho"),
        "IL": N_("Illinois"),
        "IN": N_("Indiana"),
        "IA": N_("Iowa"),
        "KS": N_("Kansas"),
        "KY": N_("Kentucky"),
        "LA": N_("Louisiana"),
        "ME": N_("Maine"),
        "MD": N_("Maryland"),
        "MA": N_("Massachusetts"),
        "MI": N_("Michigan"),
        "MN": N_("Minnesota"),
        "MS": N_("Mississippi"),
        "MO": N_("Missouri"),
        "MT": N_("Montana"),
        "NE": N_("Nebraska"),
        "NV": N_("Nevada"),
        "NH": N_("New Hampshire"),
        "NJ": N_("New Jersey"),
        "NM": N_("New Mexico"),
        "NY": N_("New York"),
        "NC": N_("North Carolina"),
        "ND": N_("North Dakota"),
        "OH": N_("Ohio"),
        "OK": N_("Oklahoma"),
        "OR": N_("Oregon"),
        "PA": N_("Pennsylvania"),
        "RI": N_("Rhode Island"),
        "SC": N_("South Carolina"),
        "SD": N_("South Dakota"),
        "TN": N_("Tennessee"),
        "TX": N_("Texas"),
        "UT": N_("Utah"),
        "VT": N_("Vermont"),
        "VA": N_("Virginia"),
        "WA": N_("Washington"),
        "WV": N_("West Virginia"),
        "WI": N_("Wisconsin"),
        "WY": N_("Wyoming"),
        # Possessions and freely associated states
        "AS": N_("American Samoa"),
        "FM": N_("Federated States of Micronesia"),
        "GU": N_("Guam"),
        "MH": N_("Marshall Islands"),
        "MP": N_("Northern Mariana Islands"),
        "PW": N_("Palau"),
        "PR": N_("Puerto Rico"),
        "VI": N_("Virgin Islands"),
        # Military mail
        "AA": N_("Armed Forces Americas"),
        "AE": N_("Armed Forces Europe"),
        "AP": N_("Armed Forces Pacific"),
    }
)
"""Two-letter USPS code -> name, for the 50 states, DC, the possessions and the military mail codes (English;
marked for translation, and said in the page's language by geo.state_name)."""
