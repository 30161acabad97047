import os

from django.core.wsgi import get_wsgi_application

from protocol_site.ops.gc import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "protocol_site.settings.dev")
application = get_wsgi_application()
# Fewer, cheaper garbage collections in the web workers (issue #10; see protocol_site/ops/gc.py).
tune_garbage_collector()
