"""A classic accounts/products/inventory/reviews federation, served in-process for planning tests.

Between them the four subgraphs use every directive the planner must honour: compound and
multiple keys, ``@shareable`` (``Vendor``, ``catalogVersion``), ``@external`` + ``@requires``
(``Book.shippingEstimate``), ``@provides`` (``Review.author``), ``@inaccessible``
(``Book.weight``, ``Furniture.sku``, ``User.birthYear``), ``@override`` (``Book.inStock``),
an interface (``Product``) and a union (``Reviewable``) whose members live in other subgraphs.
"""
