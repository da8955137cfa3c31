-- Argo CD health of a federation.synrg.io CrossDepartmentGrant, from its Ready condition: True while both
-- departments exist and it has not expired; Suspended when spec.suspend holds it on purpose (Ready False,
-- reason Suspended); any other False (DepartmentNotFound, Expired) needs a person, so Degraded.
-- Runs in the Lua Argo CD gives argocd-cm scripts: no string, math or os library; every path returns a
-- table with an explicit status.

local generation = obj.metadata.generation or 0
local status = obj.status
if status == nil or status.observedGeneration ~= generation then
  return { status = "Progressing", message = "waiting for the controller to observe generation " .. generation }
end

local ready = nil
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Ready" and condition.observedGeneration == generation then
      ready = condition
    end
  end
end

if ready == nil then
  return { status = "Progressing", message = "waiting for the controller to report Ready for generation " .. generation }
end
if ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
if ready.status == "False" and ready.reason == "Suspended" then
  return { status = "Suspended", message = ready.message }
end
if ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
return { status = "Progressing", message = ready.message }
