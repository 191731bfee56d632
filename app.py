"""Journey Lens: the router. Every run starts in journey.ui.route(): layout, sign-in, the pages this role
may open (pages/), the shared sidebar, then the page. Each page calls journey.ui.page_setup() first, so a
page reached without this file (Streamlit's pages/ routing on a cold deep link) passes the same gate."""

from journey.ui import route

route()
