"""Staff page: sign in with an account (or the shared staff password), then keep the clinic list right.

Thin on purpose: the page is `views.staff`; who may change what is decided in `clinic_finder.permissions`.
"""

from views.staff import show_staff

show_staff()
