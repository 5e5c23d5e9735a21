/**
 * Learning-rate schedules (Keras' {@code keras.optimizers.schedules}): the learning rate as a
 * function of the optimizer's step, evaluated inside the training step.
 */
package io.dp4j.nn.optimizers.schedules;
