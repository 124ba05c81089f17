import { UseGuards } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { MinRole } from '../auth/min-role.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import {
  CreateNotificationReceiverInput,
  CreateNotificationRouteInput,
  UpdateNotificationReceiverInput,
} from '../dto/notification.input';
import {
  NotificationDeliveryModel,
  NotificationDeliveryStatus,
  NotificationReceiverModel,
  NotificationRouteModel,
} from '../models/notification.model';
import { NotificationService } from '../services/notification.service';

/**
 * Notification receivers and routes: admin only, every change audited. Deliveries (and their
 * failures): triager, the people on call.
 */
@Resolver()
@UseGuards(RolesGuard)
export class NotificationResolver {
  constructor(private readonly notifications: NotificationService) {}

  @Query(() => [NotificationReceiverModel], { description: 'Needs admin. Secrets are never returned.' })
  @MinRole('admin')
  notificationReceivers(): Promise<NotificationReceiverModel[]> {
    return this.notifications.receivers();
  }

  @Query(() => [NotificationRouteModel], { description: 'Needs admin.' })
  @MinRole('admin')
  notificationRoutes(): Promise<NotificationRouteModel[]> {
    return this.notifications.routes();
  }

  @Query(() => [NotificationDeliveryModel], {
    description:
      'Notifications queued for receivers, most recent first, with their attempts and the last failure. Needs triager.',
  })
  @MinRole('triager')
  notificationDeliveries(
    @Args('status', { type: () => NotificationDeliveryStatus, nullable: true })
    status: NotificationDeliveryStatus | null,
    @Args('incidentId', { type: () => ID, nullable: true }) incidentId: string | null,
    @Args('receiverId', { type: () => ID, nullable: true }) receiverId: string | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'At most 500.' }) first: number,
  ): Promise<NotificationDeliveryModel[]> {
    return this.notifications.deliveries({ status, incidentId, receiverId }, first);
  }

  @Mutation(() => NotificationReceiverModel, {
    description: 'A bad field is BAD_USER_INPUT naming it. Needs admin; audited (without the secret).',
  })
  @MinRole('admin')
  createNotificationReceiver(
    @Args('input', { type: () => CreateNotificationReceiverInput }) input: CreateNotificationReceiverInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<NotificationReceiverModel> {
    return this.notifications.createReceiver(input, actor);
  }

  @Mutation(() => NotificationReceiverModel, { description: 'Needs admin; audited (without the secret).' })
  @MinRole('admin')
  updateNotificationReceiver(
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => UpdateNotificationReceiverInput }) input: UpdateNotificationReceiverInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<NotificationReceiverModel> {
    return this.notifications.updateReceiver(id, input, actor);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the receiver with its routes and deliveries. Needs admin; audited.',
  })
  @MinRole('admin')
  deleteNotificationReceiver(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<boolean> {
    return this.notifications.deleteReceiver(id, actor);
  }

  @Mutation(() => NotificationRouteModel, {
    description: 'A bad field is BAD_USER_INPUT naming it. Needs admin; audited.',
  })
  @MinRole('admin')
  createNotificationRoute(
    @Args('input', { type: () => CreateNotificationRouteInput }) input: CreateNotificationRouteInput,
    @CurrentPrincipal() actor: Principal,
  ): Promise<NotificationRouteModel> {
    return this.notifications.createRoute(input, actor);
  }

  @Mutation(() => Boolean, { description: 'Needs admin; audited.' })
  @MinRole('admin')
  deleteNotificationRoute(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<boolean> {
    return this.notifications.deleteRoute(id, actor);
  }
}
