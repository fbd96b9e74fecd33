"""The front desk's parts beside the Flask app in `handouts.server`: the render pool, the request
checks, and the page's templates and static files."""
