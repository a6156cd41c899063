"""Rosbag recording of the simulated world and replay evaluation of the perception pipeline.

``bag`` reads rosbag2 bags (directories, .mcap, .db3; truncated mcap files as far as they go),
``record`` writes the simulated sensors into one, ``params_file``/``topics`` map a bag onto the
node's parameter file, ``replay`` drives the node's own pipeline with bag time, ``truth`` and
``scoring`` judge the scenes, ``report``/``plots`` write what a person reads, ``live`` and
``evaluator_node`` do the same over DDS.
"""
