using Berth.Core.Errors;
using Berth.Engine.Containers;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Api = Berth.EngineApi.Models;
using Domain = Berth.Engine.Containers;

namespace Berth.Daemon.Mapping;

/// <summary>Between the Engine API's container models and the engine's records.</summary>
internal static class ContainerMapper
{
    public static CreateContainerRequest ToDomain(string? name, ContainerCreateRequest request)
    {
        var host = request.HostConfig ?? new Api.HostConfig();
        RefuseNullEntries(request, host);
        RefuseUnsupported(host);
        return new CreateContainerRequest(name, ToDomain(request), new ContainerHostConfig
        {
            Binds = host.Binds,
            Mounts = host.Mounts?.Select(m => new MountRequest(m.Type ?? "", m.Source ?? "", m.Target ?? "", m.ReadOnly, m.BindOptions?.Propagation)).ToList(),
            NetworkMode = string.IsNullOrEmpty(host.NetworkMode) ? "default" : host.NetworkMode,
            RestartPolicy = new Domain.RestartPolicy(string.IsNullOrEmpty(host.RestartPolicy?.Name) ? "no" : host.RestartPolicy.Name, host.RestartPolicy?.MaximumRetryCount ?? 0),
            AutoRemove = host.AutoRemove,
            LogConfig = new Domain.LogConfig(string.IsNullOrEmpty(host.LogConfig?.Type) ? "json-file" : host.LogConfig.Type, host.LogConfig?.Config),
            CapAdd = host.CapAdd,
            CapDrop = host.CapDrop,
            GroupAdd = host.GroupAdd,
            SecurityOpt = host.SecurityOpt,
            Dns = host.Dns,
            DnsOptions = host.DnsOptions,
            DnsSearch = host.DnsSearch,
            ExtraHosts = host.ExtraHosts,
            Privileged = host.Privileged,
            ReadonlyRootfs = host.ReadonlyRootfs,
            ConsoleSize = host.ConsoleSize,
            ShmSize = host.ShmSize,
            Memory = host.Memory,
            MemorySwap = host.MemorySwap,
            NanoCpus = host.NanoCpus,
            CpuShares = host.CpuShares,
            CpusetCpus = host.CpusetCpus ?? "",
            // dockerd stores 0 and negative limits as "unlimited" (null).
            PidsLimit = host.PidsLimit is > 0 ? host.PidsLimit : null,
            MemoryReservation = host.MemoryReservation,
            OomScoreAdj = host.OomScoreAdj,
            Ulimits = host.Ulimits?.Select(u => new Domain.Ulimit(u.Name, u.Soft, u.Hard)).ToList(),
            Sysctls = host.Sysctls,
            MaskedPaths = host.MaskedPaths,
            ReadonlyPaths = host.ReadonlyPaths,
        });
    }

    /// <summary>
    /// A JSON null inside a list ("Env": ["A=b", null]) would reach the runtime as a null string or
    /// record; it is refused here, naming where it is, as the JSON layer names a value of the wrong type.
    /// </summary>
    private static void RefuseNullEntries(ContainerCreateRequest request, Api.HostConfig host)
    {
        NoNulls("$.Env", request.Env);
        NoNulls("$.Cmd", request.Cmd);
        NoNulls("$.Entrypoint", request.Entrypoint);
        NoNulls("$.Shell", request.Shell);
        NoNulls("$.OnBuild", request.OnBuild);
        NoNulls("$.Healthcheck.Test", request.Healthcheck?.Test);
        NoNulls("$.HostConfig.Binds", host.Binds);
        NoNulls("$.HostConfig.Mounts", host.Mounts);
        NoNulls("$.HostConfig.Ulimits", host.Ulimits);
        NoNulls("$.HostConfig.CapAdd", host.CapAdd);
        NoNulls("$.HostConfig.CapDrop", host.CapDrop);
        NoNulls("$.HostConfig.GroupAdd", host.GroupAdd);
        NoNulls("$.HostConfig.SecurityOpt", host.SecurityOpt);
        NoNulls("$.HostConfig.Dns", host.Dns);
        NoNulls("$.HostConfig.DnsOptions", host.DnsOptions);
        NoNulls("$.HostConfig.DnsSearch", host.DnsSearch);
        NoNulls("$.HostConfig.ExtraHosts", host.ExtraHosts);
        NoNulls("$.HostConfig.MaskedPaths", host.MaskedPaths);
        NoNulls("$.HostConfig.ReadonlyPaths", host.ReadonlyPaths);
    }

    private static void NoNulls<T>(string path, IReadOnlyList<T?>? items) where T : class
    {
        for (var i = 0; i < (items?.Count ?? 0); i++)
            if (items![i] is null) throw new InvalidParameterException($"malformed JSON: null is not allowed at {path}[{i}]");
    }

    /// <summary>
    /// Settings this berthd cannot honour yet are refused, not silently ignored: a user who asks
    /// for a published port must not get a container without one.
    /// </summary>
    private static void RefuseUnsupported(Api.HostConfig host)
    {
        if (host.PortBindings is { Count: > 0 } ports && ports.Values.Any(b => b is { Count: > 0 }))
            throw new InvalidParameterException("publishing ports (-p) is not supported by this berthd yet");
        if (host.PublishAllPorts)
            throw new InvalidParameterException("publishing ports (-P) is not supported by this berthd yet");
        if (host.Init == true)
            throw new InvalidParameterException("--init is not supported by this berthd yet");
        if (host.VolumesFrom is { Count: > 0 })
            throw new InvalidParameterException("--volumes-from is not supported by this berthd yet");
        if (host.Links is { Count: > 0 })
            throw new InvalidParameterException("--link is not supported by this berthd yet");
    }

    // Members absent from the request JSON arrive as null (source-generated deserialisation of
    // init-only members), whatever the model's initialisers say: coalesce every string.
    private static Domain.ContainerConfig ToDomain(Api.ContainerConfig config) => new()
    {
        Hostname = config.Hostname ?? "",
        Domainname = config.Domainname ?? "",
        User = config.User ?? "",
        AttachStdin = config.AttachStdin,
        AttachStdout = config.AttachStdout,
        AttachStderr = config.AttachStderr,
        Tty = config.Tty,
        OpenStdin = config.OpenStdin,
        StdinOnce = config.StdinOnce,
        Env = config.Env,
        Cmd = config.Cmd,
        Entrypoint = config.Entrypoint,
        Image = config.Image ?? "",
        WorkingDir = config.WorkingDir ?? "",
        Labels = config.Labels,
        StopSignal = config.StopSignal,
        StopTimeout = config.StopTimeout,
        ExposedPorts = KeySet.Convert(config.ExposedPorts, Berth.Engine.Images.EmptyObject.Instance),
        Volumes = KeySet.Convert(config.Volumes, Berth.Engine.Images.EmptyObject.Instance),
        OnBuild = config.OnBuild,
    };

    public static Api.ContainerConfig ToApi(Domain.ContainerConfig config) => new()
    {
        Hostname = config.Hostname,
        Domainname = config.Domainname,
        User = config.User,
        AttachStdin = config.AttachStdin,
        AttachStdout = config.AttachStdout,
        AttachStderr = config.AttachStderr,
        ExposedPorts = KeySet.Convert(config.ExposedPorts, new Api.EmptyObject()),
        Tty = config.Tty,
        OpenStdin = config.OpenStdin,
        StdinOnce = config.StdinOnce,
        Env = config.Env,
        Cmd = config.Cmd,
        Image = config.Image,
        Volumes = KeySet.Convert(config.Volumes, new Api.EmptyObject()),
        WorkingDir = config.WorkingDir,
        Entrypoint = config.Entrypoint,
        OnBuild = config.OnBuild,
        Labels = config.Labels ?? new Dictionary<string, string>(),
        StopSignal = config.StopSignal,
        StopTimeout = config.StopTimeout,
    };

    public static ContainerInspectResponse ToInspect(ContainerDetails details)
    {
        var (container, paths) = details;
        var id = container.Id;
        var state = container.State;
        var host = container.HostConfig;
        return new ContainerInspectResponse
        {
            Id = id,
            Created = DockerTime.Format(container.Created),
            Path = container.Path,
            Args = container.Args,
            State = new Api.ContainerState
            {
                Status = state.Status,
                Running = state.Status is ContainerStatus.Running or ContainerStatus.Paused,
                Paused = state.Status == ContainerStatus.Paused,
                Restarting = state.Status == ContainerStatus.Restarting,
                OOMKilled = state.OomKilled,
                Dead = state.Status == ContainerStatus.Dead,
                Pid = state.Pid,
                ExitCode = state.ExitCode,
                Error = state.Error,
                StartedAt = state.StartedAt is { } started ? DockerTime.Format(started) : DockerTime.Zero,
                FinishedAt = state.FinishedAt is { } finished ? DockerTime.Format(finished) : DockerTime.Zero,
            },
            Image = container.ImageId.ToString(),
            ResolvConfPath = paths.ResolvConf,
            HostnamePath = paths.Hostname,
            HostsPath = paths.Hosts,
            LogPath = container.HostConfig.LogConfig.Type == LogDriver.None ? "" : paths.Log,
            Name = "/" + container.Name,
            RestartCount = container.RestartCount,
            Driver = "overlayfs",
            Platform = "linux",
            HostConfig = new Api.HostConfig
            {
                Binds = host.Binds,
                Mounts = host.Mounts?.Select(m => new Api.Mount { Type = m.Type, Source = m.Source, Target = m.Target, ReadOnly = m.ReadOnly }).ToList(),
                LogConfig = new Api.LogConfig { Type = host.LogConfig.Type, Config = host.LogConfig.Config ?? new Dictionary<string, string>() },
                NetworkMode = host.NetworkMode,
                RestartPolicy = new Api.RestartPolicy { Name = host.RestartPolicy.Name, MaximumRetryCount = host.RestartPolicy.MaximumRetryCount },
                AutoRemove = host.AutoRemove,
                CapAdd = host.CapAdd,
                CapDrop = host.CapDrop,
                Dns = host.Dns ?? [],
                DnsOptions = host.DnsOptions ?? [],
                DnsSearch = host.DnsSearch ?? [],
                ExtraHosts = host.ExtraHosts,
                GroupAdd = host.GroupAdd,
                Privileged = host.Privileged,
                ReadonlyRootfs = host.ReadonlyRootfs,
                SecurityOpt = host.SecurityOpt,
                ShmSize = host.ShmSize,
                Sysctls = host.Sysctls,
                Memory = host.Memory,
                MemorySwap = host.MemorySwap,
                NanoCpus = host.NanoCpus,
                CpuShares = host.CpuShares,
                CpusetCpus = host.CpusetCpus,
                PidsLimit = host.PidsLimit,
                MemoryReservation = host.MemoryReservation,
                OomScoreAdj = host.OomScoreAdj,
                Ulimits = host.Ulimits?.Select(u => new Api.Ulimit { Name = u.Name, Soft = u.Soft, Hard = u.Hard }).ToList() ?? [],
                MaskedPaths = host.MaskedPaths,
                ReadonlyPaths = host.ReadonlyPaths,
                Runtime = "runc",
            },
            GraphDriver = new GraphDriverData
            {
                Name = "overlayfs",
                Data = new Dictionary<string, string>
                {
                    ["MergedDir"] = paths.Merged,
                    ["UpperDir"] = paths.Upper,
                    ["WorkDir"] = paths.Work,
                },
            },
            Mounts = MountPoints(container),
            Config = ToApi(container.Config),
            NetworkSettings = new NetworkSettings
            {
                SandboxKey = "",
                Ports = new Dictionary<string, IReadOnlyList<PortBinding>?>(),
                Networks = new Dictionary<string, EndpointSettings>(),
            },
        };
    }

    public static ContainerSummary ToSummary(Container container, DateTimeOffset now) => new()
    {
        Id = container.Id,
        Names = ["/" + container.Name],
        Image = container.Config.Image,
        ImageID = container.ImageId.ToString(),
        Command = string.Join(' ', [container.Path, .. container.Args]),
        Created = container.Created.ToUnixTimeSeconds(),
        Ports = [],
        Labels = container.Config.Labels ?? new Dictionary<string, string>(),
        State = container.State.Status,
        Status = StatusText(container.State, now),
        HostConfig = new ContainerSummaryHostConfig { NetworkMode = container.HostConfig.NetworkMode },
        NetworkSettings = new ContainerSummaryNetworkSettings { Networks = new Dictionary<string, EndpointSettings>() },
        Mounts = MountPoints(container),
    };

    private static List<MountPoint> MountPoints(Container container) =>
        ContainerMounts.Resolve(container.HostConfig).Select(m => new MountPoint
        {
            Type = m.Type, Source = m.Source, Destination = m.Destination, Mode = m.Mode, RW = !m.ReadOnly, Propagation = m.Propagation,
        }).ToList();

    /// <summary>docker's State.String(): "Up 3 seconds", "Exited (0) 2 minutes ago", "Created".</summary>
    public static string StatusText(Domain.ContainerState state, DateTimeOffset now) =>
        DockerUnits.ContainerStatus(state.Status, state.ExitCode,
            state.StartedAt ?? DateTimeOffset.MinValue, state.FinishedAt ?? DateTimeOffset.MinValue, now);
}
