"""The serving side of the core: the serving container choice, serving code, model repack, the
pipeline's deployment requests and JSONata, and batch transform (no ``aws_cdk``)."""
