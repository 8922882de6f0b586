from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chexian.core.management.commands.demo import login_help
from chexian.org.models import Store


class Command(BaseCommand):
    help = (
        "Set up and serve Chexian on this machine: apply migrations, collect static files, create "
        "the demo data set if the database has no store yet, print the demo logins, then serve on "
        "127.0.0.1:8000 (Django's development server; production runs the WSGI app behind a server)."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--stores", type=int, default=10, help="demo stores on an empty database")
        parser.add_argument("--vehicles-per-store", type=int, default=1000, help="demo vehicles per store")
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start the server")

    def handle(self, *args, addrport, stores, vehicles_per_store, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not Store.objects.exists():
            call_command("demo", stores=stores, vehicles_per_store=vehicles_per_store, quiet_logins=True)
        self.stdout.write(login_help())
        if no_serve:
            return
        self.stdout.write(f"Serving on http://{addrport}/  (Ctrl-C to stop)")
        call_command("runserver", addrport, use_reloader=False)
