using System.Collections.Concurrent;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>
/// Index of all containers (by ID, name and ID prefix) over the persistent store. The store
/// is the truth across restarts; this is the truth while the daemon runs.
/// </summary>
public sealed class ContainerIndex : IImageUsage
{
    private readonly ContainerStore _store;
    private readonly ConcurrentDictionary<string, ContainerHandle> _byId = new();

    public ContainerIndex(ContainerStore store)
    {
        _store = store;
        foreach (var container in store.LoadAll())
            _byId[container.Id] = new ContainerHandle(container);
    }

    public IEnumerable<ContainerHandle> All => _byId.Values;

    public ContainerHandle Add(Container container)
    {
        _store.Insert(container);
        var handle = new ContainerHandle(container);
        _byId[container.Id] = handle;
        return handle;
    }

    /// <summary>Applies a change to the record and persists it.</summary>
    public Container Update(ContainerHandle handle, Func<Container, Container> change)
    {
        // One writer at a time per container, so the row written is the latest record.
        lock (handle)
        {
            handle.Update(change);
            _store.Update(handle.Container);
            return handle.Container;
        }
    }

    public void Remove(ContainerHandle handle)
    {
        _store.Delete(handle.Container.Id);
        _byId.TryRemove(handle.Container.Id, out _);
        handle.Removed.TrySetResult();
    }

    public bool NameInUse(string name, out ContainerHandle? owner)
    {
        owner = _byId.Values.FirstOrDefault(h => h.Container.Name == name);
        return owner is not null;
    }

    /// <summary>Docker's lookup order: full ID, exact name, then unique ID prefix.</summary>
    public ContainerHandle Resolve(string idOrName) =>
        TryResolve(idOrName) ?? throw new NotFoundException($"No such container: {idOrName}");

    /// <summary>The container with exactly this full ID, if any (no name or prefix lookup).</summary>
    public ContainerHandle? TryGet(string id) => _byId.TryGetValue(id, out var handle) ? handle : null;

    public ContainerHandle? TryResolve(string idOrName)
    {
        if (string.IsNullOrEmpty(idOrName)) return null;
        if (_byId.TryGetValue(idOrName, out var byId)) return byId;
        var name = idOrName.TrimStart('/');
        foreach (var handle in _byId.Values)
            if (handle.Container.Name == name) return handle;
        var matches = _byId.Values.Where(h => h.Container.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => null,
            _ => throw new InvalidParameterException($"Multiple IDs found with provided prefix: {idOrName}"),
        };
    }

    public IReadOnlyList<(string ContainerId, bool Running)> ContainersUsing(Digest imageId) =>
        _byId.Values.Select(h => h.Container).Where(c => c.ImageId == imageId).Select(c => (c.Id, c.State.Running)).ToList();
}
