"""`/api/machines` on central: the tokens machines push with."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from daemon.runtime import Runtime
from daemon.services import machines as service
from protocol.machines import Machine, MachineCreate, MachineToken


class MachinesController(Controller):
    """Make, list and revoke machine tokens."""

    path = "/api/machines"
    tags = ["machines (central)"]  # noqa: RUF012

    @get()
    async def list_machines(self, runtime: NamedDependency[Runtime]) -> list[Machine]:
        """Every token, active ones first, with the installation bound to it."""
        return await service.list_all(runtime.pool)

    @post()
    async def create_machine(
        self, runtime: NamedDependency[Runtime], data: JSONBody[MachineCreate]
    ) -> MachineToken:
        """A new token for a machine, shown this once (409 while another active token has
        the name). With `installation_id`, bound to that installation at once (404 if it
        never pushed here, 409 while another active token is bound to it)."""
        return await service.add(runtime.pool, data.name, data.installation_id)

    @post("/{machine_id:uuid}/revoke", status_code=200)
    async def revoke_machine(
        self, runtime: NamedDependency[Runtime], machine_id: FromPath[uuid.UUID]
    ) -> Machine:
        """Revoke a token for good; its machine's rows stay on central."""
        return await service.revoke(runtime.pool, machine_id)
