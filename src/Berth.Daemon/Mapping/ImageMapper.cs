using Berth.Engine.Images;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Api = Berth.EngineApi.Models;

namespace Berth.Daemon.Mapping;

/// <summary>Between the engine's images and the Engine API's image models.</summary>
internal static class ImageMapper
{
    public static ImageSummary ToSummary(Image image, int containers) => new()
    {
        Id = image.Id.ToString(),
        ParentId = "",
        RepoTags = image.RepoTags,
        RepoDigests = image.RepoDigests,
        Created = image.Config.Created?.ToUnixTimeSeconds() ?? 0,
        Size = image.Size,
        SharedSize = -1,
        Labels = image.Config.Config?.Labels,
        Containers = containers,
    };

    public static ImageInspectResponse ToInspect(Image image) => new()
    {
        Id = image.Id.ToString(),
        RepoTags = image.RepoTags,
        RepoDigests = image.RepoDigests,
        Parent = image.Config.Parent ?? "",
        Comment = image.Config.Comment ?? image.Config.History?.LastOrDefault()?.Comment ?? "",
        Created = image.Config.Created is { } created ? DockerTime.Format(created) : null,
        DockerVersion = image.Config.DockerVersion ?? "",
        Author = image.Config.Author ?? "",
        Config = image.Config.Config is { } config ? ToApi(config) : null,
        Architecture = image.Config.Architecture,
        Variant = image.Config.Variant,
        Os = image.Config.Os,
        OsVersion = image.Config.OsVersion,
        Size = image.Size,
        GraphDriver = new GraphDriverData { Name = "overlayfs", Data = new Dictionary<string, string>() },
        RootFS = new RootFS { Type = image.Config.RootFs.Type, Layers = image.Config.RootFs.DiffIds },
        Metadata = new ImageMetadata(),
    };

    private static Api.ContainerConfig ToApi(Berth.Engine.Images.ContainerConfig config) => new()
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
        ArgsEscaped = config.ArgsEscaped,
        Image = config.Image,
        Volumes = KeySet.Convert(config.Volumes, new Api.EmptyObject()),
        WorkingDir = config.WorkingDir,
        Entrypoint = config.Entrypoint,
        OnBuild = config.OnBuild,
        Labels = config.Labels,
        StopSignal = config.StopSignal,
        StopTimeout = config.StopTimeout,
        Shell = config.Shell,
    };

    public static HistoryResponseItem ToApi(ImageHistoryEntry entry) => new()
    {
        Id = entry.Id,
        Created = entry.Created.ToUnixTimeSeconds(),
        CreatedBy = entry.CreatedBy,
        Tags = entry.Tags,
        Size = entry.Size,
        Comment = entry.Comment,
    };

    public static ImageDeleteResponseItem ToApi(ImageDeleteEntry entry) => new() { Untagged = entry.Untagged, Deleted = entry.Deleted };
}
