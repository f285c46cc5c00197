using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Berth.Core.Errors;
using Berth.Core.References;
using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>POST /containers/create, as the service sees it.</summary>
public sealed record CreateContainerRequest(string? Name, ContainerConfig Config, ContainerHostConfig HostConfig);

/// <summary>
/// Containers as objects: create (merge with the image, name, persist, make the directory),
/// list with docker's filters, rename. Running and removing them is the lifecycle parts' job
/// (Containers/Lifecycle).
/// </summary>
public sealed partial class ContainerService
{
    private readonly ContainerIndex _index;
    private readonly IContainerFilesystem _filesystem;
    private readonly IImageService _images;
    private readonly SemaphoreSlim _createLock = new(1, 1);

    public ContainerService(ContainerIndex index, IContainerFilesystem filesystem, IImageService images)
    {
        _index = index;
        _filesystem = filesystem;
        _images = images;
    }

    public async Task<Container> CreateAsync(CreateContainerRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name is { Length: > 0 } given ? ValidateName(given) : null;
        if (string.IsNullOrEmpty(request.Config.Image))
            throw new InvalidParameterException("Config cannot be empty in order to create a container");
        ContainerMounts.Validate(request.HostConfig);
        ValidateNetworkMode(request.HostConfig.NetworkMode);
        ValidateRestartPolicy(request.HostConfig);
        ValidateLimits(request.HostConfig);
        LogDriver.Validate(request.HostConfig.LogConfig);
        var image = ResolveImage(request.Config.Image);
        var config = ConfigMerger.Merge(request.Config, ImageDefaultsAdapter.From(image));
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        if (string.IsNullOrEmpty(config.Hostname)) config = config with { Hostname = id[..12] };
        var command = (IReadOnlyList<string>)[.. config.Entrypoint ?? [], .. config.Cmd ?? []];

        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (name is not null && _index.NameInUse(name, out var owner))
                throw new ConflictException($"Conflict. The container name \"/{name}\" is already in use by container \"{owner!.Container.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            name ??= UniqueGeneratedName();
            var container = new Container
            {
                Id = id,
                Name = name,
                Created = DateTimeOffset.UtcNow,
                Path = command[0],
                Args = command.Skip(1).ToList(),
                Config = config,
                HostConfig = request.HostConfig,
                ImageId = image.Id,
                ImageChainId = image.ChainId,
            };
            _filesystem.Create(container);
            try
            {
                _index.Add(container);
            }
            catch
            {
                _filesystem.Delete(id);
                throw;
            }
            return container;
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <summary>Until the networking work lands: bridge/default/none give a private loopback-only namespace; host and container:NAME share one.</summary>
    private void ValidateNetworkMode(string mode)
    {
        if (mode is "" or "default" or "bridge" or "none" or "host") return;
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            _index.Resolve(mode["container:".Length..]);
            return;
        }
        throw new NotFoundException($"network {mode} not found");
    }

    private static void ValidateRestartPolicy(ContainerHostConfig host)
    {
        var policy = host.RestartPolicy;
        if (policy.Name is not ("" or "no" or "always" or "unless-stopped" or "on-failure"))
            throw new InvalidParameterException($"invalid restart policy '{policy.Name}'");
        if (policy.MaximumRetryCount != 0 && policy.Name != "on-failure")
            throw new InvalidParameterException($"maximum retry count cannot be used with restart policy '{policy.Name}'");
        if (policy.MaximumRetryCount < 0)
            throw new InvalidParameterException("maximum retry count cannot be negative");
        if (host.AutoRemove && policy.Name is "always" or "unless-stopped" or "on-failure")
            throw new InvalidParameterException("can't create 'AutoRemove' container with restart policy");
    }

    /// <summary>dockerd's check of the OOM score, in its words; the resources check themselves.</summary>
    private static void ValidateLimits(ContainerHostConfig host)
    {
        if (host.OomScoreAdj is < -1000 or > 1000)
            throw new InvalidParameterException($"Invalid value {host.OomScoreAdj}, range for oom score adj is [-1000, 1000]");
        ContainerResources.Validate(host);
    }

    private Image ResolveImage(string name)
    {
        var image = _images.TryResolve(name);
        if (image is not null) return image;
        // Docker names the normalised reference: "No such image: busybox:latest".
        var shown = ImageReference.TryParse(name, out var reference) ? reference!.WithDefaultTag().ToFamiliarString() : name;
        throw new NotFoundException($"No such image: {shown}");
    }

    private string UniqueGeneratedName()
    {
        while (true)
        {
            var candidate = NameGenerator.Generate();
            if (!_index.NameInUse(candidate, out _)) return candidate;
        }
    }

    private static string ValidateName(string name)
    {
        var trimmed = name.TrimStart('/');
        if (!ValidName().IsMatch(trimmed))
            throw new InvalidParameterException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        return trimmed;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    public Container Get(string idOrName) => _index.Resolve(idOrName).Container;

    /// <summary>GET /containers/json: newest first; running only unless <paramref name="all"/>; docker's filters.</summary>
    public IReadOnlyList<Container> List(bool all, IReadOnlyDictionary<string, IReadOnlyList<string>> filters, int limit = -1)
    {
        ContainerFilters.Validate(filters);
        var result = _index.All.Select(h => h.Container)
            .Where(c => all || c.State.Running || filters.ContainsKey("status") || filters.ContainsKey("exited"))
            .Where(c => ContainerFilters.Matches(c, filters, _images))
            .OrderByDescending(c => c.Created)
            .ToList();
        return limit > 0 ? result.Take(limit).ToList() : result;
    }

    public async Task RenameAsync(string idOrName, string newName, CancellationToken cancellationToken)
    {
        var handle = _index.Resolve(idOrName);
        var name = ValidateName(newName);
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (handle.Container.Name == name)
                throw new ConflictException("Renaming a container with the same name as its current name");
            if (_index.NameInUse(name, out var owner))
                throw new ConflictException($"Conflict. The container name \"/{name}\" is already in use by container \"{owner!.Container.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            _index.Update(handle, c => c with { Name = name });
        }
        finally
        {
            _createLock.Release();
        }
    }
}
