/// The `Audit` module (see ../shared/DESIGN.md, "Modules"). Its owner replaces
/// this file as the module grows.
public enum AuditModule {}
