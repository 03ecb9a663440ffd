"""A classic accounts/products/inventory/reviews federation (plus pricing), served in-process.

Between them the five subgraphs use every directive the planner must honour: compound and
multiple keys, ``@shareable`` (``Vendor``, ``catalogVersion``), ``@external`` + ``@requires``
(``Book.shippingEstimate``), ``@provides`` (``Review.author``), ``@inaccessible``
(``Book.weight``, ``Furniture.sku``, ``User.birthYear``), ``@override`` (``Book.inStock``),
an entity interface (``Product``, extended by pricing's ``@interfaceObject``) and a union
(``Reviewable``) whose members live in other subgraphs.
"""
