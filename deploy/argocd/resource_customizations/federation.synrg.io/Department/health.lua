-- Argo CD health of a federation.synrg.io Department, from the conditions the controller writes
-- (Ready, Reconciling, Stalled, each with the generation it was computed from) and status.phase.
-- Runs in the Lua Argo CD gives argocd-cm scripts: no string, math or os library, so only tables,
-- comparisons and `..`; every path returns a table with an explicit status.

local generation = obj.metadata.generation or 0

if obj.spec ~= nil and obj.spec.suspend == true then
  return { status = "Suspended", message = "spec.suspend is true: the controller makes no external changes" }
end

local status = obj.status
if status == nil or status.observedGeneration ~= generation then
  return { status = "Progressing", message = "waiting for the controller to observe generation " .. generation }
end

-- A condition counts only when it was computed from the current generation.
local function current(conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, condition in ipairs(status.conditions) do
    if condition.type == conditionType and condition.observedGeneration == generation then
      return condition
    end
  end
  return nil
end

if status.phase == "Deprovisioning" then
  return { status = "Progressing", message = "deprovisioning" }
end

local stalled = current("Stalled")
if stalled ~= nil and stalled.status == "True" then
  return { status = "Degraded", message = stalled.message }
end

local ready = current("Ready")
if status.phase == "Failed" then
  if ready ~= nil and ready.message ~= "" then
    return { status = "Degraded", message = ready.message }
  end
  return { status = "Degraded", message = "phase Failed" }
end

if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end

local reconciling = current("Reconciling")
if ready ~= nil then
  return { status = "Progressing", message = ready.message }
end
if reconciling ~= nil then
  return { status = "Progressing", message = reconciling.message }
end
return { status = "Progressing", message = "waiting for the controller to report Ready for generation " .. generation }
